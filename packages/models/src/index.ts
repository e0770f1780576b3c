export type * from './types';
export { sequenceModelFactories } from './sequence-models';
