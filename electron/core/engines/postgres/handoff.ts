// Moved: engine-neutral, shared by every engine's role changes (../handoff.ts).
export * from '../handoff'
