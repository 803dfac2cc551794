/** Fast checks of how a job's JSON reads TT API's different spellings (no engine needed). */
import { isFinished, jobToJson } from '../../nodes/TtApi/jobs/job';

describe('job JSON spellings', () => {
	it('keeps a GPT image job as before: imageUrl, quota as sent, no spellings applied', () => {
		const json = jobToJson({ status: 'SUCCESS', message: 'success', jobId: 'a', data: { imageUrl: 'https://x/a.png', quota: '2', progress: '100' } });
		expect(json).toEqual({ jobId: 'a', status: 'SUCCESS', message: 'success', imageUrl: 'https://x/a.png', quota: '2', progress: '100' });
	});

	it('reads image_url and data.job_id when the newer spelling is sent', () => {
		const json = jobToJson({ status: 'SUCCESS', message: '', data: { job_id: 'b', image_url: 'https://x/b.png' } });
		expect(json).toEqual({ jobId: 'b', status: 'SUCCESS', message: '', imageUrl: 'https://x/b.png' });
	});

	it("applies a model's spellings: image keys in order, aliases folded, numbers read from strings", () => {
		const spellings = { imageUrl: ['cdnImage', 'discordImage'], aliases: { action: ['actions'] }, numbers: ['quota', 'progress'] };
		const json = jobToJson(
			{ status: 'SUCCESS', message: '', jobId: 'c', data: { actions: 'imagine', discordImage: 'https://x/d.png', quota: '2', progress: '40%' } },
			undefined,
			spellings,
		);
		expect(json).toEqual({ jobId: 'c', status: 'SUCCESS', message: '', imageUrl: 'https://x/d.png', action: 'imagine', discordImage: 'https://x/d.png', quota: 2, progress: 40 });
		const both = jobToJson({ status: 'ON_QUEUE', data: { action: 'upsample2', actions: 'old', quota: 1.5, progress: 'n/a' } }, 'd', spellings);
		expect(both).toMatchObject({ jobId: 'd', action: 'upsample2', quota: 1.5, progress: 'n/a', imageUrl: null });
		expect(both).not.toHaveProperty('actions');
	});

	it("ends a job on the model's end statuses, SUCCESS and FAILED by default", () => {
		expect([isFinished('SUCCESS'), isFinished('FAILED'), isFinished('ON_QUEUE'), isFinished(undefined)]).toEqual([true, true, false, false]);
		expect(isFinished('CANCELLED', ['SUCCESS', 'FAILED', 'CANCELLED'])).toBe(true);
	});
});
