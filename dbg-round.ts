import { replayScenario } from './src/cli/scenario-replay.ts';
import { loadScenario } from './src/sim/scenario/loader.ts';
import { detectAll } from './src/detect/all.ts';
import { diagnose } from './src/diagnose/diagnose.ts';
const [name, from, to] = process.argv.slice(2);
const s = await loadScenario(name);
const a = Date.parse(from), b = Date.parse(to);
await replayScenario(s, {
  forMs: b - Date.parse(s.start),
  onTick: (view, now) => {
    if (now < a) return;
    const sig = detectAll(view, now);
    console.log('=== ', new Date(now).toISOString());
    for (const x of sig) if (!['source-status', 'change', 'version-mix'].includes(x.kind)) console.log('  ', x.kind, x.subject, x.severity, '|', x.summary.slice(0, 120));
    const d = diagnose(sig, now);
    for (const h of d.hypotheses) console.log('  H', h.pattern, h.confidence, h.statement.slice(0, 160));
  },
});
