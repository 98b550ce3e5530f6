/**
 * Types of the accounts and signals routes, from the generated schema.
 *
 * @example
 * const page: AccountPage = await api.get('/api/v1/accounts', { query: { grade: 'M100' } });
 */
import type { ResponseOf } from './client.js';

export type AccountPage = ResponseOf<'/api/v1/accounts', 'get'>;
export type AccountListItem = AccountPage['items'][number];
export type AccountDetail = ResponseOf<'/api/v1/accounts/{id}', 'get'>;
export type AccountSignal = AccountDetail['signals'][number];
export type SignalSnooze = NonNullable<AccountSignal['snooze']>;
export type Explanation = NonNullable<AccountDetail['scores']>['explanation'];
export type Driver = Explanation['expansion']['drivers'][number];
export type SignalDefinition = ResponseOf<'/api/v1/signals', 'get'>['signals'][number];
export type Occurrence = ResponseOf<'/api/v1/signals/occurrences', 'get'>['items'][number];

/** Signal directions, as colours: growth green, risk red, timing blue. */
export const DIRECTION_COLOR: Record<string, string> = { expansion: 'teal', churn: 'red', timing: 'blue' };
