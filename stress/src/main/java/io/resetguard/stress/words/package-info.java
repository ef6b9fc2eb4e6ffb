/**
 * jcstress races of the word core (docs/state-core.md): a multi-word operation against a sibling's
 * one-word prepare, helpers against the initiator (the outcome applied exactly once), descriptors
 * across the 20-bit epoch wrap, and the domain-id table growing while it is read.
 */
package io.resetguard.stress.words;
