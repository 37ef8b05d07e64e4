export { stackCheckWorkflow } from './stack-check.js';
