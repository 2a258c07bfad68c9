import { describeActionItemConformance } from '../incident/store/store-conformance.ts';
import { MemoryActionItems } from './memory-action-items.ts';

describeActionItemConformance('memory', async () => new MemoryActionItems());
