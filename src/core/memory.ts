// The process's peak resident memory, as every summary, stage report and benchmark records it.
// Budgets (how much a stage may use) are the planning code's; this only measures.

/** Peak resident set size of this process so far, in bytes (the kernel's high-water mark). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
