export { WeComModule, WeComConfigError, createWeComModule } from './module';
export type { WeComCorpInput } from './module';
export type { WeComCorpConfig, WeComRobot } from './state';
export { WeComApiError, wecomErrorBody } from './errors';
export { validateTemplateCard } from './template-card';
export type { CardType, ValidatedCard } from './template-card';
