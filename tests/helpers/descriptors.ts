// What the demo's anonymous sepsis post (by AZ Heidebloem, a hospital in Flanders) may be
// called in public. The descriptor is the finest one enough verified organisations share, so
// it changes as other test files verify organisations: a test that reads it accepts every
// step of the ladder that names neither the hospital nor anything finer than its kind and region.
/** Any public descriptor the demo's anonymous sepsis post may carry (English interface). */
export const SEPSIS_DESCRIPTOR = /\b(a hospital|a care provider|a care organisation|an organisation) in (Flanders|Belgium)(?![a-z])/;
