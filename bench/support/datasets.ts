import { join } from 'node:path';
import { PROJECT_ROOT } from '../../stack/paths.js';

/** 3 million real US flights (Jan–Jun 2001), shipped by the vega-datasets npm package. */
export const FLIGHTS = join(PROJECT_ROOT, 'node_modules', 'vega-datasets', 'data', 'flights-3m.parquet');
