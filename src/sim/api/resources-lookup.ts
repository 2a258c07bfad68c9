/** Finds a served resource by its plural and group, any version (`pods`, `deployments`/`apps`). */
import { type ResourceType, resourceTypes } from './resources.ts';

export function findResourceByName(plural: string, group: string): ResourceType | undefined {
  return resourceTypes.find((r) => r.plural === plural && r.group === group);
}
