// What a cluster card (either engine's) asks the Clusters view to open: one event with its
// kind, so the view handles both cards with one listener. rejoin and fence name a member.
export type CardAction = 'addReplica' | 'switchover' | 'failover' | 'rejoin' | 'fence' | 'redundancy' | 'automatic' | 'showOperations' | 'forget'
