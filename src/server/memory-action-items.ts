/**
 * Action items kept in memory, for a serve (a demo, a test) that runs without a store: the
 * dashboard's Postmortem tab works the same, and the list is gone when the process ends.
 * Held to the stores' own rules by the shared suite (store-conformance.ts).
 */
import {
  type ActionItem,
  type ActionItemChange,
  changedActionItem,
  type NewActionItem,
  newActionItem,
} from '../incident/action-items.ts';
import { type ActionItemStore, DuplicateActionItemError } from '../incident/store/store.ts';

export class MemoryActionItems implements ActionItemStore {
  private readonly items: ActionItem[] = [];
  /** Never reused, as the databases' ids are not: a deleted item's id names nothing again. */
  private lastId = 0;

  async listActionItems(incidentId: string): Promise<ActionItem[]> {
    return this.items.filter((a) => a.incidentId === incidentId).map((a) => ({ ...a }));
  }

  async addActionItem(a: NewActionItem): Promise<ActionItem> {
    const stored = this.items.find((x) => x.incidentId === a.incidentId && x.text === a.text);
    if (stored) return { ...stored };
    const item = { id: ++this.lastId, ...newActionItem(a) };
    this.items.push(item);
    return { ...item };
  }

  async updateActionItem(
    incidentId: string,
    id: number,
    change: ActionItemChange,
  ): Promise<ActionItem | undefined> {
    const k = this.items.findIndex((x) => x.incidentId === incidentId && x.id === id);
    if (k < 0) return undefined;
    const next = changedActionItem(this.items[k], change);
    if (this.items.some((x) => x.incidentId === incidentId && x.id !== id && x.text === next.text))
      throw new DuplicateActionItemError(incidentId, next.text);
    this.items[k] = next;
    return { ...next };
  }

  async deleteActionItem(incidentId: string, id: number): Promise<boolean> {
    const k = this.items.findIndex((x) => x.incidentId === incidentId && x.id === id);
    if (k >= 0) this.items.splice(k, 1);
    return k >= 0;
  }
}
