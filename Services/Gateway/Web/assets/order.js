// An order's states and how the faces group them (docs/protocol.md, "Orders"): the one place a face
// spells a state. `OrderState` in PosySchema is the truth; a unit test keeps the two equal.

/** Every state, in the order a delivery goes through them (the ends that are not a hand-over last). */
export const State = Object.freeze({
  placed: 'placed', confirmed: 'confirmed', assigned: 'assigned', accepted: 'accepted', pickedUp: 'pickedUp',
  outForDelivery: 'outForDelivery', arriving: 'arriving', delivered: 'delivered', completed: 'completed',
  cancelled: 'cancelled', failed: 'failed', returned: 'returned',
});

const S = State;

/** A courier has it, from the assignment to the hand-over. */
export const underway = Object.freeze([S.assigned, S.accepted, S.pickedUp, S.outForDelivery, S.arriving]);
/** On its way to the recipient: the courier's position is shared, the door call may be made. */
export const onTheWay = Object.freeze([S.outForDelivery, S.arriving]);
/** Handed over. */
export const handedOver = Object.freeze([S.delivered, S.completed]);
/** Nothing more will happen to it: handed over, or given up. */
export const ended = Object.freeze([S.delivered, S.completed, S.cancelled, S.failed, S.returned]);
/** The flowers are with the courier: picked up and not yet handed over. */
export const withCourier = Object.freeze([S.pickedUp, S.outForDelivery, S.arriving]);
/** The courier accepted it and has not handed it over. */
export const accepted = Object.freeze([S.accepted, ...withCourier]);
/** Staff may (re)assign a courier. */
export const assignable = Object.freeze([S.confirmed, S.assigned, S.accepted]);

/** Whether `order` (or a state) is in `group`. */
export function isIn(group, order) {
  return group.includes(typeof order === 'string' ? order : order?.state);
}

/** The steps of a delivery as the customer's page shows them, and the step each state stands at. */
export const customerSteps = Object.freeze([S.placed, S.confirmed, S.pickedUp, S.outForDelivery, S.delivered]);
const stepOf = {
  placed: 0, confirmed: 1, assigned: 1, accepted: 1, pickedUp: 2, outForDelivery: 3, arriving: 3, delivered: 4, completed: 4,
};
/** The index in `customerSteps` of `state`; undefined for an order that ended without a hand-over. */
export function customerStep(state) { return stepOf[state]; }

/** The shop console's board: columns and the states each holds. */
export const boardColumns = Object.freeze([
  ['new', [S.placed]],
  ['confirmed', [S.confirmed]],
  ['assigned', [S.assigned, S.accepted]],
  ['pickedUp', [S.pickedUp]],
  ['outForDelivery', [S.outForDelivery]],
  ['arriving', [S.arriving]],
  ['delivered', handedOver],
  ['problems', [S.failed, S.returned, S.cancelled]],
]);

/** Whether a delivery in `state` is at or past `target` on the courier's way (accepted → completed). */
export function reached(state, target) {
  const way = [S.accepted, ...withCourier, ...handedOver];
  return way.indexOf(state) >= way.indexOf(target);
}
