export {
  buildMutationPrompt,
  defaultPromptBudget,
  formatArtifacts,
  formatMetrics,
  formatProgram,
  formatScore,
  languageOf,
  listBlocks,
  templateFor,
  type BuiltPrompt,
  type MutationForm,
  type PromptBudget,
} from './build-prompt.ts';
export { defaultTemplates, formatInstructions, type TemplateName } from './default-templates.ts';
export { renderTemplate, templatePlaceholders } from './render-template.ts';
export { createInsightsRefresher, distillInsights, summarizeForInsights, type DistillInsightsOptions, type InsightSummary } from './insights.ts';
