import type { Logger } from "pino";
import type { TableStore } from "../jetstream/tables/table-store.js";

/** What a DynamoDB operation handler gets besides its input. */
export interface TableContext {
  readonly tables: TableStore;
  readonly settings: { readonly region: string; readonly accountId: string };
  readonly log: Logger;
  /** Epoch ms at which the request arrived. */
  readonly now: number;
}
