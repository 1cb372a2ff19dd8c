/*
 * A small event bus: the room's modules talk through it instead of calling each other,
 * so a new feature (replies, reactions...) listens to what exists without changing it.
 *
 * Events: "message" {message, item, live} after a message is shown; "joined" {ack};
 * "status" state; "change" {id, hidden, change, message}; "scrolled" {atBottom}.
 */
export function createBus() {
  const handlers = new Map();
  return {
    on(name, handler) {
      if (!handlers.has(name)) {
        handlers.set(name, []);
      }
      handlers.get(name).push(handler);
    },
    emit(name, data) {
      (handlers.get(name) || []).forEach((handler) => handler(data));
    },
  };
}
