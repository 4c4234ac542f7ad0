/**
 * The DevTools page: lives as long as a DevTools window and only adds the CORS panel. The panel page
 * itself connects to the worker (it knows its tab from chrome.devtools.inspectedWindow.tabId).
 * Root-relative paths: Chrome resolves them against the extension root, Firefox against this page.
 */
chrome.devtools.panels.create('CORS', '/icons/icon-32.png', '/src/panel/panel.html')
