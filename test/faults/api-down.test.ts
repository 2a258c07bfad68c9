/** Issue 22's fault injection, the API out of reach: hung, refusing connections, refusing our token. */
import { faultSuite } from './fault-suite.ts';

faultSuite('serve with the API out of reach', ['API hung', 'API refusing', '401']);
