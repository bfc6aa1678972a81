import { SqliteDialect, SqliteQueryCompiler, type LimitNode, type OffsetNode, type QueryCompiler } from 'kysely';

/**
 * SQLite's compiler, with LIMIT and OFFSET values written `+?` instead of `?`. SQLite (3.53 here) reads a bound LIMIT
 * or OFFSET while planning, so binding one — which better-sqlite3 does at every run — expires the prepared statement
 * and SQLite prepares it again: ≈ 6 µs of each paged read (a reconnect's backlog read took 14 µs instead of 8 in
 * isolation). `+?` is the same value (unary plus changes nothing), which the planner does not read: the statement
 * stays prepared. Same rows; only the SQL text differs.
 */
export class SqliteBoundLimitCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    this.append('limit +');
    this.visitNode(node.limit);
  }

  protected override visitOffset(node: OffsetNode): void {
    this.append('offset +');
    this.visitNode(node.offset);
  }
}

/** Kysely's SQLite dialect with SqliteBoundLimitCompiler. */
export class ParleySqliteDialect extends SqliteDialect {
  override createQueryCompiler(): QueryCompiler {
    return new SqliteBoundLimitCompiler();
  }
}
