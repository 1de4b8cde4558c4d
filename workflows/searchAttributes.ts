import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The custom search attributes of DESIGN.md: what a person filters campaigns and rounds by in the Web UI. */
export const CampaignKey = defineSearchAttributeKey('Campaign', SearchAttributeType.KEYWORD);
export const RoundKey = defineSearchAttributeKey('Round', SearchAttributeType.INT);
export const PhaseKey = defineSearchAttributeKey('Phase', SearchAttributeType.KEYWORD);
export const FrontierKey = defineSearchAttributeKey('Frontier', SearchAttributeType.INT);
export const StudentModelKey = defineSearchAttributeKey('StudentModel', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [CampaignKey, RoundKey, PhaseKey, FrontierKey, StudentModelKey] as const;
