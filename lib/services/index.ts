/**
 * Your services: each function stack's name (the `stack` of its functions in cdk.json) to the module that adds its
 * own resources and grants (see `lib/service.ts` for what a module receives). A stack without an entry gets only what
 * cdk.json configures. An entry for a stack that no function is in fails synth, naming it.
 */
import type { Services } from '../service';
import { orders } from './orders';

export const SERVICES: Services = {
  orders,
};
