// Reads back everything the checks look at, from either adapter's tables, into plain rows with numbers
// (PostgreSQL returns bigint columns as strings). `reader` gives `query(sql)` and `table(name)`.

const CLAIM_AND_STEP_EVENTS = "('claimed', 'recovered', 'woke', 'step_completed', 'step_failed', 'retry_scheduled')";
const num = (v) => (v === null || v === undefined ? v : Number(v));

export async function readStored(reader) {
  const t = reader.table;
  const workflows = await reader.query(
    `SELECT id, name, status, output, error, parent_id, attempts, recovery_attempts, finished_at FROM ${t('workflows')}`,
  );
  const steps = await reader.query(`SELECT workflow_id, seq, name, kind, attempts, created_at FROM ${t('steps')}`);
  const events = await reader.query(
    `SELECT id, workflow_id, type, seq, data, at FROM ${t('events')} WHERE type IN ${CLAIM_AND_STEP_EVENTS} ORDER BY workflow_id, id`,
  );
  const signals = await reader.query(`SELECT workflow_id, name, delivered_seq FROM ${t('signals')}`);
  const executions = await reader.query(`SELECT exec_id, workflow_id, step, attempt, kind, pid, started_at FROM ${t('executions')}`);
  const effects = await reader.query(`SELECT workflow_id, step, exec_id, pid FROM ${t('effects')}`);
  return {
    workflows: workflows.map((w) => ({ ...w, attempts: num(w.attempts), recovery_attempts: num(w.recovery_attempts), finished_at: num(w.finished_at) })),
    steps: steps.map((s) => ({ ...s, seq: num(s.seq), attempts: num(s.attempts), created_at: num(s.created_at) })),
    events: events.map((e) => ({ ...e, id: num(e.id), seq: num(e.seq), at: num(e.at), data: e.data ? JSON.parse(e.data) : null })),
    signals: signals.map((s) => ({ ...s, delivered_seq: num(s.delivered_seq) })),
    executions: executions.map((x) => ({ ...x, step: num(x.step), attempt: num(x.attempt), pid: num(x.pid), started_at: num(x.started_at) })),
    effects: effects.map((x) => ({ ...x, step: num(x.step), pid: num(x.pid) })),
  };
}
