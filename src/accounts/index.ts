/**
 * @module accounts
 * Accounts, access keys (secrets sealed with the master key) and installation settings.
 */
export { AccountStore } from './account-store.js'
export type { AccessKey, NewAccessKey } from './account-store.js'
export { loadOrCreateMasterKey } from './master-key.js'
export { seal, open } from './secret-box.js'
