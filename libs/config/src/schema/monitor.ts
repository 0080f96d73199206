import * as z from 'zod';

/**
 * The gateway's monitoring server. `port` 0 picks a free one. With `tls` it serves HTTPS
 * from these PEM files (paths relative to the working directory).
 */
export const MonitorSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(0).max(65535).default(9464),
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
});
export type MonitorConfig = z.output<typeof MonitorSchema>;
