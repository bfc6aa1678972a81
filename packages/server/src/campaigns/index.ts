export { CampaignService, campaignNotFound, type CampaignDirectory } from './campaign-service.js';
export { CampaignsStore } from './campaigns-store.js';
