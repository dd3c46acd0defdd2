// Hangfire keeps its log provider (and other settings) in statics that every host overwrites. Hosts built while
// another starts up can capture a logger of a host disposed later, which faults their Hangfire workers; so test
// classes run one after another. The suite stays within a few minutes.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
