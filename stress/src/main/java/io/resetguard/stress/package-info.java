/**
 * jcstress tests of ResetGuard's core: one test class per race of docs/protocol.md §7 that the
 * emulator models, grouped by theme as the jcstress samples are, each with an arbiter that checks
 * the §6 invariants and can only land a violation on a FORBIDDEN outcome; plus the negative controls
 * that prove the suite can see the bugs it is about.
 *
 * <pre>
 *  package     race (variants)                                                §7   gate variant
 *  ----------  -------------------------------------------------------------  ---  -------------------------
 *  state       prepare(A) || prepare(A)            (Linux70, Seed, Linux71,   1    PrepareReentryRace.Linux70
 *                                                   Linux71Locking)
 *              prepare(A) || done(A), A prepared    (Linux70, Seed, Linux71,   1,4  PrepareDoneRace.Linux71
 *                                                   Linux71Locking)
 *              prepare(A) || prepare(B), siblings   (Linux70, Linux71, ..Lock) 5    SiblingPrepareRace.Linux71
 *              done(A) || done(A), prepared once    (Linux71, Linux71Locking)  inv8 - (campaign only)
 *              nested prepare/prepare/done || attach (Linux71, Linux71Locking) 2    NestedPrepareAttachRace.Linux71
 *              hotplug(C) || prepare(A)            (Linux70, Linux71)          10   - (campaign only)
 *              unplug(A) || prepare(A)             (Linux71)                   9    - (campaign only)
 *              prepare; read in-flight || announce; isParked  (Dekker)         15   BlockedFlagHandshakeRace
 *              done(A, result) || attach_group(NEW), A prepared  (QuarV6Failed, QuarV6Good,
 *                                                   QuarV6FailedLocking, ResultToDoneFailed)
 *                                                                              6    QuarDoneAttachRace.QuarV6Failed,
 *                                                                                   QuarDoneAttachRace.QuarV6Good
 *              failed reset(A) || good reset(A)    (QuarV6, QuarV6Locking,     4    FailedThenGoodResetRace.QuarV6
 *                                                   ResultToDone)
 *  attach      attach_group(NEW) || prepare(A)     (Linux71Attach, Linux70Replace, Linux71AttachLocking)
 *                                                                              6    AttachPrepareRace.Linux71Attach
 *              attach_device_pasid || prepare(A)   (Linux71)                   7    - (campaign only)
 *              detach_device_pasid || prepare(A)   (Linux71, Linux70)          7    - (campaign only)
 *              deferred_attach(A) || prepare(A)    (Linux71)                   8    - (campaign only)
 *              release_dma_owner() || prepare(A)   (Linux71)                   6    OwnerReleasePrepareRace.Linux71
 *              attach_group(NEW) || prepare(A), group-&gt;domain NULL (Linux70, Linux71)
 *                                                                              13   NullDomainAttachPrepareRace.Linux70
 *  pci         reset_function(A) || reset_function(A)  (Linux71, Seed)         1    ResetResetRace.Linux71
 *              reset_function(A) || attach_group   (Linux71)                   6    - (campaign only)
 *              reset_function(A) || reset_function(B), siblings (Linux71, Linux70)
 *                                                                              5    SiblingResetRace.Linux71
 *              reset_function(A), flr times out, pm works || attach_group(NEW)
 *                                                  (Seed, SeedOn71, ResultToDone)
 *                                                                              3    FailedFlrFallbackRace.Seed
 *              reset_method probe(A) || reset_function(A)  (Linux71, Linux70, Seed, QuarV6)
 *                                                                              14   ProbeResetRace.Linux71
 *  inv         two submitters on one command queue                             12   ConcurrentSubmittersRace
 *              submit(ATC_INV A) || prepare(A)                                 15   SubmitPrepareRace
 *              atc_timeout(A) || atc_timeout(A), seed worker                   11   DuplicateTimeoutRace
 *              seed recovery worker(A) || reset_function(A)                    1    WorkerUserResetRace
 *              seed worker reset(A) fails || later reset_function(A)  (SecondResetSucceeds, BothFail)
 *                                                                              4    FailedWorkerResetRace.SecondResetSucceeds
 *  mem         alloc/free(owner 1) || alloc/free(owner 2), one PhysMem          inv. 1  - (campaign only)
 *  negative    LostUpdateSiblingPrepare   a non-atomic read-modify-write of the state    MUST FAIL
 *              FencelessBlockedFlag       a missing fence on the blocked flag             MUST FAIL
 *              EarlyUnblockNestedDone     a done() that unblocks at the inner level       MUST FAIL
 *              LossyQueueSubmitters       a command queue that loses an offer             MUST FAIL
 * </pre>
 *
 * <p>Every test has two actors (3-actor tests are silently skipped on a 2-CPU machine) and an
 * arbiter. {@link io.resetguard.stress.Race} names each test's race; {@link io.resetguard.stress.Gate}
 * marks the "verify" subset that {@code mvn verify} runs (one variant of each race that matters most,
 * every control: {@value io.resetguard.stress.Gate#TESTS} tests). The campaign ({@code resetguard stress},
 * {@link io.resetguard.stress.campaign.StressCommand}) runs everything.
 * Fixtures are built per sample in the {@code @State} constructors from {@link io.resetguard.stress.Probe};
 * the immutable parts (addresses, PCI capabilities, ATS settings) are static.
 *
 * <p>Run one test: {@code cd stress/target && java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
 * -jar jcstress.jar -m quick -fsm 0 -sc false -v -t <Name>}.
 */
package io.resetguard.stress;
