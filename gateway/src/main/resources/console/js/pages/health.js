// Administrators: each stage of the event flow (Postgres, ledger commit, relay to Kafka, projector),
// refreshed every five seconds.
import { get } from '../api.js';
import { h, num, panel, tile } from '../ui.js';

export default async function health({ every }) {
  const box = h('div');
  const draw = async () => {
    const s = await get('/api/admin/health');
    const pill = (good, text) => h(`span.pill.${good ? 'good' : 'bad'}`, text);
    const lag = (n) => (n == null ? '—' : `${num(n)} events`);
    box.replaceChildren(
      h('div.tiles#health-tiles',
        tile('Postgres', pill(s.postgres.status === 'up', s.postgres.status)),
        tile('Ledger', pill(s.ledger.accepting, s.ledger.accepting ? 'accepting' : 'refusing calls')),
        tile('Commit backlog', `${num(s.ledger.commit_backlog_ms)} ms`),
        tile('Relay to Kafka', s.kafka_relay.enabled ? lag(s.kafka_relay.lag_events) : 'off'),
        tile('Projector lag', lag(s.projector.lag_events)),
        tile('Calls in flight', num(s.calls_in_flight))),
      panel('Details',
        h('p', 'Newest ledger event: seq ', h('strong', s.ledger.last_seq ?? '—'),
          '. Published to Kafka through seq ', h('strong', s.kafka_relay.published_seq ?? '—'),
          '; applied by the projector through seq ', h('strong', s.projector.applied_seq ?? '—'), '.'),
        h('p.muted', `Postgres round trip ${s.postgres.round_trip_ms?.toFixed(1) ?? '—'} ms. `
          + 'A growing relay lag means Kafka is not accepting events; a growing projector lag means reports trail the ledger '
          + '(the ledger itself is complete either way). Refreshed every 5 s.')));
  };
  await draw();
  every(5000, () => draw().catch(() => {}));
  return box;
}
