// Loaded by a blocking <script> in <head> (no inline script: the CSP forbids it) so the stored theme is on
// <html> before the first paint and a dark-theme agent never sees a light flash.
import { applyTheme, followSystemTheme, readTheme } from './theme.js';

applyTheme(readTheme());
followSystemTheme();
