/*
 * A client_id: the sender's name for one request, so that sending it again after a lost
 * acknowledgement stores it once (docs/protocol.md). crypto.randomUUID needs a secure
 * context; getRandomValues works everywhere.
 */
export function newClientId() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => (`0${b.toString(16)}`).slice(-2)).join("");
}
