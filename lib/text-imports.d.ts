// Files embedded in the executable as text (`import x from "./f.py" with { type: "text" }`).
declare module "*.py" {
  const text: string;
  export default text;
}
declare module "*.rs" {
  const text: string;
  export default text;
}
declare module "*.md" {
  const text: string;
  export default text;
}
declare module "*.nix" {
  const text: string;
  export default text;
}
declare module "*.sh" {
  const text: string;
  export default text;
}
declare module "*/channel" {
  const text: string;
  export default text;
}
