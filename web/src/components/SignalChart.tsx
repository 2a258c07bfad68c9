/**
 * The time axis behind a diagnosis: the symptom counts the server samples every round
 * (NotReady nodes, crash-looping pods, nodes whose kube-proxy sync fails, failed probes,
 * 5xx answers), with the incident's status changes and the operators' actions drawn as
 * vertical marks, so "the nodes went NotReady, then we restarted them, then it came back"
 * reads at a glance. Each series has its own colour and dash pattern; the figure's caption
 * says the same in words for screen readers.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SeriesJson, SeriesName, TimelineEntry } from '../api-types.ts';
import { clockTime, utc } from '../format.ts';
import { placeMarkLabels } from './mark-labels.ts';

export const seriesStyle: Record<
  SeriesName,
  { label: string; stroke: string; dash?: number[]; scale: string }
> = {
  notReadyNodes: { label: 'NotReady nodes', stroke: '#b3261e', scale: 'n' },
  crashLoopPods: { label: 'Crash-looping pods', stroke: '#6a1b9a', dash: [6, 3], scale: 'n' },
  proxySyncFailingNodes: {
    label: 'kube-proxy sync failing (nodes)',
    stroke: '#a14a00',
    dash: [2, 2],
    scale: 'n',
  },
  probeFailures: { label: 'Failed API probes', stroke: '#0b57d0', dash: [10, 4], scale: 'n' },
  http5xx: { label: '5xx answers (5 min)', stroke: '#146c2e', dash: [3, 3, 10, 3], scale: '5xx' },
};

export interface Mark {
  atMs: number;
  label: string;
  kind: TimelineEntry['kind'];
}

function marksPlugin(current: () => readonly Mark[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const { ctx } = u;
        const { top, height, left, width } = u.bbox;
        ctx.save();
        ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
        ctx.textBaseline = 'top';
        // Lines first, for every mark; then the labels where they overlap nothing (mark-labels.ts).
        const shown: { m: Mark; x: number; width: number; rank: number }[] = [];
        for (const m of current()) {
          const x = Math.round(u.valToPos(m.atMs / 1000, 'x', true));
          if (x < left || x > left + width) continue;
          ctx.strokeStyle = m.kind === 'action' ? '#00695c' : '#1f1f1f';
          ctx.setLineDash(m.kind === 'action' ? [4, 4] : []);
          ctx.lineWidth = devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          // The incident's own marks first: a burst of actions must not push 'opened' off.
          shown.push({ m, x, width: ctx.measureText(m.label).width, rank: m.kind === 'action' ? 1 : 0 });
        }
        const placed = placeMarkLabels(shown, {
          left,
          right: left + width,
          rows: 4,
          gap: 4 * devicePixelRatio,
          pad: 3 * devicePixelRatio,
        });
        let unlabelled = 0;
        ctx.textAlign = 'left';
        for (const [k, { m }] of shown.entries()) {
          const at = placed[k];
          if (!at) {
            unlabelled++;
            continue;
          }
          // On white, so a series line crossing the label does not make it unreadable.
          const y = top + (2 + at.row * 13) * devicePixelRatio;
          ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
          ctx.fillRect(at.from - 1, y - 1, shown[k].width + 2, 13 * devicePixelRatio);
          ctx.fillStyle = m.kind === 'action' ? '#00695c' : '#1f1f1f';
          ctx.fillText(m.label, at.from, y);
        }
        if (unlabelled) {
          ctx.fillStyle = '#1f1f1f';
          ctx.textAlign = 'right';
          ctx.textBaseline = 'bottom';
          ctx.fillText(
            `${unlabelled} more marks (see the timeline)`,
            left + width - 4 * devicePixelRatio,
            top + height - 2 * devicePixelRatio,
          );
        }
        ctx.restore();
      },
    },
  };
}

/** Axis labels in 24-hour UTC, with the date where the day changes (and on the first label). */
function axisTimes(splits: number[]): string[] {
  let day = '';
  return splits.map((s) => {
    const iso = new Date(s * 1000).toISOString();
    const d = iso.slice(5, 10);
    const label = d === day ? iso.slice(11, 16) : `${iso.slice(11, 16)}\n${d}`;
    day = d;
    return label;
  });
}

function describe(data: SeriesJson): string {
  const parts = (Object.keys(seriesStyle) as SeriesName[])
    .map((n) => ({ n, max: Math.max(0, ...data.series[n]) }))
    .filter((p) => p.max > 0)
    .map((p) => `${seriesStyle[p.n].label} peaked at ${p.max}`);
  const span = data.atMs.length ? `from ${utc(data.atMs[0])} to ${utc(data.atMs.at(-1))}` : 'no data yet';
  return `Symptom counts ${span}. ${parts.length ? parts.join('; ') : 'No symptoms so far'}.`;
}

export function SignalChart({
  data,
  marks,
  title,
  omit = [],
}: {
  data: SeriesJson;
  marks: readonly Mark[];
  title: string;
  /** Series the cluster has nothing to feed (series-applicable.ts): not drawn, not in the legend. */
  omit?: readonly SeriesName[];
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const marksRef = useRef(marks);
  marksRef.current = marks;

  const omitted = omit.join(',');
  const names = (Object.keys(seriesStyle) as SeriesName[]).filter((n) => !omitted.split(',').includes(n));

  // biome-ignore lint/correctness/useExhaustiveDependencies: the plot is rebuilt only when the series drawn change (omitted), names follow from it
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: 280,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: { x: { time: true }, n: { range: (_u, _min, max) => [0, Math.max(4, max * 1.15)] } },
      axes: [
        {
          stroke: '#1f1f1f',
          grid: { stroke: '#e3e3e3' },
          values: (_u, splits) => axisTimes(splits),
          space: 70,
        },
        { scale: 'n', stroke: '#1f1f1f', grid: { stroke: '#e3e3e3' }, label: 'count' },
        { scale: '5xx', side: 1, stroke: '#146c2e', grid: { show: false }, label: '5xx' },
      ],
      series: [
        { label: 'Time (UTC)', value: (_u, v) => (v == null ? '—' : clockTime(v * 1000)) },
        ...names.map((n) => ({
          label: seriesStyle[n].label,
          stroke: seriesStyle[n].stroke,
          dash: seriesStyle[n].dash,
          width: 2,
          scale: seriesStyle[n].scale,
          points: { show: false },
        })),
      ],
      plugins: [marksPlugin(() => marksRef.current)],
    };
    const u = new uPlot(opts, [[], ...names.map(() => [])], el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(320, el.clientWidth), height: 280 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [omitted]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the marks are read through a ref at draw time; new marks must redraw
  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData([data.atMs.map((t) => t / 1000), ...names.map((n) => data.series[n])]);
  }, [data, marks, omitted]);

  return (
    <figure className="chart">
      <div ref={box} className="chart-box" role="img" aria-label={`${title}. ${describe(data)}`} />
      <figcaption>
        {describe(data)} Vertical lines: status changes (solid) and operator actions (dashed).
        {data.roundsPerPoint > 1 ? ` Each point is the worst of ${data.roundsPerPoint} rounds.` : ''}
      </figcaption>
    </figure>
  );
}
