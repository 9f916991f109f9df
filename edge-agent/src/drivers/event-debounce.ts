/**
 * Drops the same value of the same event seen again within `windowMs` (an RDM6300 repeats its frame every ~100 ms
 * while a card is held; a held card is one tap). Each repeat extends the window.
 */
export class EventDebounce {
  private readonly last = new Map<string, { value: string; at: number }>();
  repeats = 0;

  accept(event: string, value: string, windowMs: number | undefined, now: number): boolean {
    if (!windowMs) return true;
    const previous = this.last.get(event);
    this.last.set(event, { value, at: now });
    if (previous && previous.value === value && now - previous.at <= windowMs) {
      this.repeats++;
      return false;
    }
    return true;
  }
}
