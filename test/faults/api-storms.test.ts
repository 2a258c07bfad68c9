/** Issue 22's fault injection, the API answering badly: 429 and 5xx storms, dropped watches, 410 storms. */
import { faultSuite } from './fault-suite.ts';

faultSuite('serve through API storms', ['429', '5xx', 'watches dropped', '410']);
