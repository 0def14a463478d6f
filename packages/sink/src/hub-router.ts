/**
 * The hub's tRPC router type, imported as a type only (DESIGN.md section 3): the sink never loads
 * hub code at run time.
 */
export type { AppRouter as HubRouter } from '@nexomatic/hub';
