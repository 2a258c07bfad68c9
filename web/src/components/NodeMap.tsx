/**
 * One cell per node, grouped by pool and kubelet version, so a pool-wide or version-wide
 * failure shows as a block. Each state has a colour and a pattern (stripes for NotReady,
 * dots for Unknown, a hollow cell for cordoned) and every cell has a title; the legend
 * counts them in words, and the NotReady nodes are listed as text below the map. Cells are
 * not tab stops: 5,000 of them would make the page unusable from the keyboard, and the
 * list below carries the same facts.
 */
import { memo } from 'react';
import type { NodeMap as NodeMapData, NodeState } from '../api-types.ts';

const stateWords: Record<NodeState, string> = { R: 'Ready', N: 'NotReady', U: 'Unknown', C: 'Cordoned' };
const order: NodeState[] = ['N', 'U', 'C', 'R'];

function Legend({ counts }: { counts: Record<NodeState, number> }) {
  return (
    <ul className="legend" aria-label="Node states">
      {order.map((s) => (
        <li key={s}>
          <span className={`cell node-${s}`} aria-hidden="true" /> {stateWords[s]}: {counts[s]}
        </li>
      ))}
    </ul>
  );
}

const Group = memo(function Group({ g, small }: { g: NodeMapData['groups'][number]; small: boolean }) {
  const notReady = [...g.states].filter((s) => s !== 'R').length;
  return (
    <section className="node-group" aria-label={`Pool ${g.pool}, kubelet ${g.version}`}>
      <h4>
        {g.pool} <span className="muted">kubelet {g.version}</span>{' '}
        <span className="muted">
          {g.names.length} {g.names.length === 1 ? 'node' : 'nodes'}
          {notReady ? `, ${notReady} not Ready` : ''}
        </span>
      </h4>
      <div className={`cells${small ? ' small' : ''}`}>
        {g.names.map((n, i) => {
          const s = g.states[i] as NodeState;
          return (
            <span
              key={n}
              className={`cell node-${s}`}
              title={`${g.prefix}${n}: ${stateWords[s] ?? s}`}
              data-node={`${g.prefix}${n}`}
              data-state={s}
            />
          );
        })}
      </div>
    </section>
  );
});

export function NodeMap({ map }: { map: NodeMapData }) {
  if (map.total === 0) return <p>No nodes seen yet.</p>;
  const small = map.total > 800;
  return (
    <div className="node-map">
      <Legend counts={map.counts} />
      {map.groups.map((g) => (
        <Group key={`${g.pool}/${g.version}`} g={g} small={small} />
      ))}
    </div>
  );
}
