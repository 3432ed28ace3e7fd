import { z } from 'zod';
import { helpCard } from '../../cards/helpCard.js';
import { Verbs } from '../../cards/verbs.js';
import { cardReply } from '../invokeResponse.js';
import { defineAction } from './registry.js';

export const helpAction = defineAction({
  verb: Verbs.help,
  kind: 'postsCard',
  data: z.object({}).passthrough(),
  async run() {
    return cardReply(helpCard({}));
  },
});
