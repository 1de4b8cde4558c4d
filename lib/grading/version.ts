/**
 * Version of the grading rules. It is stored with every grade, so a change of behaviour here (extraction,
 * normalisation, tolerance) lets the ledger re-grade old samples without sampling them again. Bump it on
 * any change that can turn a verdict.
 */
export const VERIFIER_VERSION = 'grading-v2';
