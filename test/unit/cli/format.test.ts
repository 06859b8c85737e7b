import { byReason, duration, importSummary, outcomesTable, progressLine, runDetails, table } from '../../../cli/format';
import { aRun, completed } from './fakes';

describe('cli formatting', () => {
  it('pads table columns to the widest cell, with no trailing blanks', () => {
    const text = table([{ a: 'x', b: 'long value' }, { a: 'wider', b: 'y' }], [
      { header: 'A', value: (r) => r.a },
      { header: 'B', value: (r) => r.b },
    ]);
    expect(text).toBe('A      B\nx      long value\nwider  y\n');
  });

  it('writes durations short, and a dash when there is none', () => {
    expect([duration(42), duration(185), duration(3720), duration(null), duration(-1)]).toEqual(['42s', '3m 05s', '1h 02m', '-', '-']);
  });

  it('lists counts by reason, or 0', () => {
    expect(byReason({ 'no email': 1200, 'duplicate email': 3 })).toBe('no email 1,200, duplicate email 3');
    expect(byReason({})).toBe('0');
  });

  it('prints a progress line with sent over total, rejected, rate, ETA and phase', () => {
    expect(progressLine(aRun())).toBe('run run-1: exporting 50%, profiles sent 440/1,000, rejected 40, skipped 60, 13/s, ETA 40s\n');
    expect(progressLine(aRun({ phase: null, percent: null, throughput: null, etaSeconds: null }))).toContain('running -, profiles sent 440/1,000');
  });

  it('shows a run one fact a line, with its error when it has one', () => {
    const text = runDetails(completed({ status: 'failed', error: 'Autopilot refused the API key' }));
    expect(text).toMatch(/^Run: +run-1$/m);
    expect(text).toMatch(/^Status: +failed$/m);
    expect(text).toMatch(/^Skipped: +no email 60$/m);
    expect(text).toMatch(/^Error: +Autopilot refused the API key$/m);
    expect(runDetails(aRun())).toMatch(/^Status: +running \(exporting\)$/m);
  });

  it("names the run's workflow execution in Temporal once it has begun", () => {
    expect(runDetails(aRun({ workflow: { id: 'export-exp-1', runId: 'wf-run-9' } }))).toMatch(/^Temporal: +workflow export-exp-1, run wf-run-9$/m);
    expect(runDetails(aRun({ workflow: { id: 'export-exp-1', runId: null } }))).not.toMatch(/^Temporal:/m);
  });

  it('quotes emails in the outcomes table, so stray blanks show', () => {
    const text = outcomesTable([{ profileId: 'p-1', email: ' a@b.c\t', status: 'skipped', reason: 'duplicate email', sentAs: 'p-0' }]);
    expect(text.split('\n')[1]).toBe('p-1      skipped  duplicate email  p-0      " a@b.c\\t"');
  });

  it('summarises an import with its errors by line, and says when not all are listed', () => {
    const text = importSummary({ imported: 1, rejected: 3, errors: [{ line: 2, message: 'not JSON' }, { line: 5, message: 'line 5: no id' }] });
    expect(text).toBe('Imported 1 profile, rejected 3 lines\n  line 2: not JSON\n  line 5: no id\n  (and 1 more rejected line not listed)\n');
  });

  it('says who paused a run and since when', () => {
    const run = { ...aRun({ phase: 'paused' }), paused: { by: 'ann', since: '2025-01-31T09:35:00.000Z' } };
    expect(runDetails(run)).toMatch(/^Paused: +by ann since 2025-01-31T09:35:00.000Z$/m);
    expect(runDetails(run)).toMatch(/^Status: +running \(paused\)$/m);
  });
});
