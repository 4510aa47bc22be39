/** scan benchmark (placeholder). */
export async function benchScan(_o: { quick: boolean }): Promise<void> {
  console.log('not built yet');
}
