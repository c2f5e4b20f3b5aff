/**
 * The recount of the table-wide counters, part of the background
 * reconciliation (src/session/reconciler.ts): before the walk over one Redis
 * node, each of its slots starts a tally of the accounts' shares
 * (lua/recount_begin.lua, lib.lua tally); the walk settles every account of
 * the node, and the scripts of the request paths tally the ones they touch
 * meanwhile; after it, the tally replaces the slot's counters
 * (lua/recount_end.lua). So a drift of any cause (a script cut short, a lost
 * write, a hand edit) lasts one pass at most. Every script touches one slot.
 */
import type { Redis } from 'ioredis';
import { inBatches, slotsByNode } from './redis-index.js';
import type { RedisClient } from './redis-connect.js';
import type { RedisKeys } from './redis-keys.js';
import { scripts } from './redis-script.js';

/** One counter the recount found wrong: its field (s, a, d:<domain>), what it said, and the truth. */
export interface CounterFix {
  readonly slot: number;
  readonly field: string;
  readonly was: number;
  readonly truth: number;
}

/** The slots of one Redis node under recount. */
export interface SlotRecount {
  readonly node: Redis;
  readonly slots: readonly number[];
  readonly epoch: string;
}

/** The recounts of the slots of every Redis node. */
export class CounterRecount {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** The Redis nodes to walk, each with the slots it serves now. */
  nodes(): { node: Redis; slots: number[] }[] {
    return slotsByNode(this.client, this.keys).filter((n): n is { node: Redis; slots: number[] } => n.node !== null);
  }

  /** Starts the tally on each slot of `node` (a slot that cannot start now is left out). */
  async begin(node: Redis, slots: readonly number[], epoch: string): Promise<SlotRecount> {
    const started: number[] = [];
    await inBatches(slots, async (slot) => {
      const ok = await scripts.recountBegin.run(this.client, [this.keys.counters(slot)], [epoch]).then(
        () => true,
        () => false,
      );
      if (ok) started.push(slot);
    });
    return { node, slots: started, epoch };
  }

  /**
   * Puts the tally in place of the counters on the slots the node still
   * serves (a slot that moved meanwhile may have been walked on neither node:
   * its counters stay, the next pass recounts it). Returns the corrections.
   */
  async end(recount: SlotRecount): Promise<CounterFix[]> {
    const node = `${recount.node.options.host}:${recount.node.options.port}`;
    const still = new Set(slotsByNode(this.client, this.keys).find((n) => n.node && `${n.node.options.host}:${n.node.options.port}` === node)?.slots);
    const fixes: CounterFix[] = [];
    await inBatches(
      recount.slots.filter((slot) => still.has(slot)),
      async (slot) => {
        const flat = (await scripts.recountEnd.run(this.client, [this.keys.counters(slot)], [recount.epoch]).catch(() => null)) as (string | number)[] | null;
        for (let i = 0; flat && i + 2 < flat.length; i += 3) fixes.push({ slot, field: String(flat[i]), was: Number(flat[i + 1]), truth: Number(flat[i + 2]) });
      },
    );
    return fixes;
  }
}
