/**
 * Every parameter's bad values, on the real engine: each is refused before any request is sent,
 * with a message that starts with the field's label and name and a description of what to do.
 */
import type { IDataObject } from 'n8n-workflow';

import { runNode, useEmulator } from '../engine/harness';
import { count } from './figures';

const NULL = '={{ null }}';
const OBJECT = '={{ { a: 1 } }}';
const LIST = '={{ [1, 2] }}';
const TRUE = '={{ true }}';
const expression = (value: unknown) => `={{ ${JSON.stringify(value)} }}`;

const gptImage = { resource: 'gptImage', operation: 'generate', prompt: 'a fox', model: 'gpt-image-2' };
const gptImagePlus = { ...gptImage, model: 'gpt-image-2-plus' };
const gpt4o = { resource: 'gpt4oImage', operation: 'generate', prompt: 'a fox' };
const dalle3 = { resource: 'dalle3', operation: 'generate', prompt: 'a fox' };
const getJob = { resource: 'gptImage', operation: 'get', jobId: 'a-job' };

interface FieldCase {
	field: string;
	label: string;
	base: IDataObject;
	/** Where the value goes: a top-level parameter or one inside `options`. */
	inOptions?: boolean;
	bad: Array<[string, IDataObject[string]]>;
}

const fields: FieldCase[] = [
	{ field: 'prompt', label: 'Prompt', base: gptImage, bad: [['empty', expression('')], ['blank', '  \n '], ['null', NULL], ['too long', 'x'.repeat(32_001)], ['an object', OBJECT], ['a list', LIST], ['a boolean', TRUE]] },
	{ field: 'prompt', label: 'Prompt', base: gpt4o, bad: [['empty', expression('')], ['null', NULL], ['too long', 'y'.repeat(40_000)]] },
	{ field: 'prompt', label: 'Prompt', base: dalle3, bad: [['empty', expression('')], ['null', NULL], ['an object', OBJECT]] },
	{ field: 'size', label: 'Size', base: dalle3, bad: [['outside the list', expression('512x512')], ['null', NULL], ['a number', expression(1024)], ['empty', expression('')]] },
	{ field: 'quality', label: 'Quality', base: dalle3, bad: [['outside the list', expression('ultra')], ['null', NULL], ['wrong case', expression('HD')]] },
	{ field: 'model', label: 'Model', base: gptImage, bad: [['outside the list', expression('gpt-9')], ['null', NULL], ['a number', expression(2)], ['empty', expression('')]] },
	{ field: 'aspect_ratio', label: 'Aspect Ratio', base: gptImage, bad: [['outside the list', expression('2:1')], ['null', NULL], ['an object', OBJECT]] },
	{ field: 'size', label: 'Size', base: gptImagePlus, bad: [['not a multiple of 16', '1000x1000'], ['too large', '4096x1024'], ['not WxH', 'big'], ['null', NULL], ['negative', '-16x16']] },
	{ field: 'referImages', label: 'Reference Images', base: gpt4o, bad: [['ftp URL', ['ftp://host/a.png']], ['not a URL', ['https://ok.example/a.png', 'cat.png']], ['javascript URL', ['javascript:alert(1)']], ['17 entries', Array.from({ length: 17 }, (_, n) => `https://e.example/${n}.png`)], ['10,000 entries', expression(Array.from({ length: 10_000 }, (_, n) => `https://e.example/${n}.png`))], ['a number', expression(42)], ['an object', OBJECT], ['a null entry', expression(['https://ok.example/a.png', null])]] },
	{ field: 'referImages', label: 'Reference Images', base: gptImage, bad: [['file path', ['/etc/passwd']], ['data URL', ['data:image/png;base64,AAAA']]] },
	{ field: 'hookUrl', label: 'Hook URL', base: gpt4o, inOptions: true, bad: [['javascript URL', 'javascript:alert(1)'], ['ftp URL', 'ftp://host/hook'], ['not a URL', 'my trigger'], ['two URLs', 'https://a.example/x,https://b.example/y']] },
	{ field: 'waitMode', label: 'Wait Mode', base: gptImage, bad: [['unknown', expression('forever')], ['null', NULL], ['wrong case', expression('POLL')]] },
	{ field: 'pollInterval', label: 'Max Poll Interval', base: gptImage, inOptions: true, bad: [['zero', 0], ['too large', 301], ['text', expression('soon')], ['null', NULL], ['negative', -5]] },
	{ field: 'timeout', label: 'Wait Timeout', base: gptImage, inOptions: true, bad: [['too small', 9], ['too large', 99_999], ['text', expression('an hour')], ['null', NULL], ['infinite', '={{ Infinity }}']] },
	{ field: 'timeout', label: 'Wait Timeout', base: { ...gptImage, waitMode: 'callback' }, inOptions: true, bad: [['too small', 1], ['null', NULL]] },
	{ field: 'concurrency', label: 'Concurrency', base: dalle3, inOptions: true, bad: [['zero', 0], ['too large', 500], ['text', expression('many')], ['null', NULL]] },
	{ field: 'requestTimeout', label: 'Request Timeout', base: gptImage, inOptions: true, bad: [['zero', 0], ['too large', 601], ['null', NULL], ['an object', OBJECT]] },
	{ field: 'binaryPropertyName', label: 'Put Image in Field', base: dalle3, inOptions: true, bad: [['blank', ' '], ['too long', 'f'.repeat(101)], ['null', NULL], ['an object', OBJECT]] },
	{ field: 'jobId', label: 'Job ID', base: getJob, bad: [['empty', expression('')], ['null', NULL], ['too long', 'j'.repeat(201)], ['a list', LIST]] },
	{ field: 'jobId', label: 'Job ID', base: { ...getJob, resource: 'gpt4oImage' }, bad: [['empty', expression('  ')], ['an object', OBJECT]] },
];

const cases = fields.flatMap(({ field, label, base, inOptions, bad }) =>
	bad.map(([what, value]) => {
		const parameters: IDataObject = inOptions
			? { ...base, options: { ...((base.options as IDataObject) ?? {}), [field]: value } }
			: { ...base, [field]: value };
		return [`${base.resource}.${base.operation}: ${field} ${what}`, parameters, `${label} (${field}) `] as const;
	}),
);

describe('bad parameters are refused before any request, naming the field (real engine, emulator)', () => {
	const env = useEmulator();

	it.each(cases)('%s', async (_name, parameters, startsWith) => {
		count('bad inputs tried');
		const { error, errorDescription } = await runNode({ credentials: env.credentials(), parameters });
		expect(error?.startsWith(startsWith) ? startsWith : error).toBe(startsWith);
		expect(errorDescription).toBeTruthy();
		expect(env.emulator.requests).toHaveLength(0);
		count('bad inputs refused before any request');
	});

	it('a required field left empty in the editor: n8n itself refuses to run the workflow', async () => {
		for (const parameters of [{ ...gptImage, prompt: '' }, { ...getJob, jobId: '' }]) {
			count('bad inputs tried');
			await expect(runNode({ credentials: env.credentials(), parameters })).rejects.toThrow('The workflow has issues');
			expect(env.emulator.requests).toHaveLength(0);
			count('bad inputs refused before any request');
		}
	});

	it('a bad item among good ones stops nothing else with Continue On Fail, and costs no request', async () => {
		const { items } = await runNode({
			credentials: env.credentials(),
			continueOnFail: true,
			items: [{ p: 'a fox' }, { p: null }, { p: 'a hare' }],
			parameters: { ...dalle3, prompt: '={{ $json.p }}' },
		});
		expect(items.map((item) => item.json.error ?? item.json.prompt)).toEqual(['a fox', 'Prompt (prompt) must be text, but it is null', 'a hare']);
		expect(env.emulator.requestsTo('/openai/v1/images/generations')).toHaveLength(2);
	});
});
