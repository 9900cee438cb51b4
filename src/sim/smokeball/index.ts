/** Public surface of the Smokeball API simulator. */
export { startSmokeballSim, type SmokeballSim, type SmokeballSimOptions } from './server.js';
export type { RateLimitConfig, WebhookFaultConfig, ResolvedOptions } from './options.js';
export { PartnerBucket, type PartnerBucketOptions, type PartnerBucketStats } from './partner-bucket.js';
export { SmokeballControl, UnknownIdError } from './control.js';
export type { ContactInput, FileView, FolderView, MatterView, MemoView, SubscriptionView } from './control.js';
export type { DeliveryLogEntry, DeliveryOutcome } from './webhooks.js';
export { WEBHOOK_EVENT_TYPES } from './webhooks.js';
export { signWebhook, verifyWebhookSignature } from '../../shared/smokeball-signature.js';
export { plainToRtf, rtfToPlain, isRtf } from './rtf.js';
export { pkceChallenge } from './auth.js';
export { stringifyWire } from './wire-json.js';
