/**
 * jcstress tests of the group state machine: the races that involve one {@code iommu_group}'s
 * {@link io.resetguard.state.GroupState} alone (kernel-semantics.md §6 invariants, §7 scenarios).
 *
 * <pre>
 *  test                                    race                                   models (cell)
 *  --------------------------------------  -------------------------------------  ------------------------------------
 *  PrepareReentryRace.{Linux70,Seed,       prepare || prepare, one function        7.0, seed, 7.1
 *                      Linux71}
 *  PrepareDoneRace.Linux71                 prepare || done, function prepared      7.1
 *  SiblingPrepareRace.{Linux70,Linux71}    prepare(A) || prepare(B), same group    7.0, 7.1
 *  AttachPrepareRace.Linux71Attach         attach_group(NEW) || prepare(A)         7.1
 *  UnbalancedDoneRace.Linux71              done || done, function prepared once    7.1
 *  negative.LostUpdateSiblingPrepare       SiblingPrepareRace.Linux71 through a    7.1 on a broken cell: MUST FAIL
 *                                          non-atomic read-modify-write cell
 * </pre>
 *
 * <p>Every test has two actors (3-actor tests are silently skipped on a 2-CPU machine) and an
 * arbiter that records the final state and whether {@link io.resetguard.model.Invariants#check} holds;
 * a broken invariant never matches an acceptable outcome. The fixtures are built in the
 * {@code @State} constructors from {@link io.resetguard.stress.Probe}. All of them use the lock-free
 * cell ({@link io.resetguard.state.StateImpl#LOCK_FREE}); the locking cell passes the same outcomes
 * (add a nested subclass with {@code @JCStressMeta(<lock-free class>.class)} to run it), but every
 * jcstress test costs about 25 s of the build's 4-minute budget, so the gate holds 9 tests.
 *
 * <p>Run everything as the build does (under 4 minutes on 2 CPUs):
 * <pre>
 *  cd stress/target/jcstress-run   # or any directory: results/ and a .bin.gz are written there
 *  java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar ../jcstress.jar -m quick -fsm 0 -sc false -v -t io.resetguard.stress
 * </pre>
 * or one test with {@code cd stress/target && java -jar jcstress.jar -t <Name>}.
 */
package io.resetguard.stress;
