// The records and repository protocols are part of the store's API: importing Store brings them.
@_exported public import StateModel
