/** Services the project expects docker-compose.yml to define (checked by test/unit/compose.test.ts). */
export const COMPOSE_SERVICES = [
  'temporal',
  'temporal-ui',
  'postgresql',
  'minio',
  'worker',
  'trainer',
  'model-server',
  'alert-receiver',
  'prometheus',
  'alertmanager',
] as const;

export type ComposeService = (typeof COMPOSE_SERVICES)[number];
