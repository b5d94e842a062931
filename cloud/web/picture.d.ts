// Types of picture.js for the tests that check it against the schedule projector.
import type { DomainEvent } from '@parkinglot/shared';

export interface PictureSpace {
  id: string;
  label: string;
  floor: string;
  status: 'available' | 'reserved' | 'occupied';
  reservationId: string | null;
  plate: string | null;
  sessionId: string | null;
  since: string | null;
}

export interface Picture {
  facilities: Map<
    string,
    { id: string; name: string; spaces: Map<string, PictureSpace>; gates: Map<string, unknown> }
  >;
  feed: DomainEvent[];
  seen: Set<number>;
  lastSeq: number;
}

export const FEED_SIZE: number;
export function emptyPicture(): Picture;
export function spaceFrom(s: Record<string, unknown>): PictureSpace;
export function remember(picture: Picture, event: DomainEvent): void;
export function applyEvent(picture: Picture, event: DomainEvent): 'reload' | null;
export function applyGate(picture: Picture, message: { gateId: string; status: unknown }): void;
