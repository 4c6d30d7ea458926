// The ops/systemd files imported `with { type: "text" }` by ./unit-files.ts: their text.
declare module "*.service" {
  const text: string;
  export default text;
}
declare module "*.timer" {
  const text: string;
  export default text;
}
declare module "*.env" {
  const text: string;
  export default text;
}
