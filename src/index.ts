import { app } from "./app";
import { consumeDeadLetters, consumeUploadQueue } from "./queue/consumer";
import { runHousekeeping } from "./features/housekeeping/housekeeping.service";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue.endsWith("-dlq")) await consumeDeadLetters(batch, env);
    else await consumeUploadQueue(batch, env);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runHousekeeping(env, controller.cron));
  },
} satisfies ExportedHandler<Env>;
