import { app } from "./app";
import { trackRequest } from "./http/interactive";
import { consumeDeadLetters, consumeUploadQueue } from "./queue/consumer";
import { runHousekeeping } from "./features/housekeeping/housekeeping.service";

export default {
  // Counted so that the queue consumer, which may share this isolate, lets requests go first (http/interactive.ts).
  fetch: (request, env, ctx) => trackRequest(() => app.fetch(request, env, ctx)),
  async queue(batch, env) {
    if (batch.queue.endsWith("-dlq")) await consumeDeadLetters(batch, env);
    else await consumeUploadQueue(batch, env);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runHousekeeping(env, controller.cron));
  },
} satisfies ExportedHandler<Env>;
