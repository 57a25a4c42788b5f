; Inno Setup script for the Windows installer of txmalign: installs the PyInstaller one-folder build
; (txmalign-gui.exe, txmalign.exe, _internal\), a Start-menu entry for the app and one for a command prompt
; with txmalign on its PATH, the .txmas session file association and an uninstaller.
;
; Built by installer/build_windows.ps1, which passes the version (read from txmalign_gui.__version__):
;   iscc /DAppVersion=0.0.0 /DSourceDir=<bundle folder> /O<output folder> installer\windows\txmalign.iss
; Paths without a /D value are relative to this file.

#ifndef AppVersion
  #error AppVersion is not set: build with installer\build_windows.ps1 (or iscc /DAppVersion=X.Y.Z)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\build\windows\dist\txmalign"
#endif

#define AppName "txmalign"
#define GuiExe "txmalign-gui.exe"
#define SessionProgId "txmalign.session"

[Setup]
; AppId identifies txmalign for upgrades and the uninstaller: never change it.
AppId={{6B1F3C52-8E47-4D1B-9C5A-2F0E7A4D9B31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=txmalign developers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Installs for the current user without administrator rights; an administrator may choose all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputBaseFilename={#AppName}-{#AppVersion}-windows-x64-setup
LicenseFile=..\..\LICENSE
InfoBeforeFile={#SourceDir}\_internal\licenses\THIRD_PARTY.txt
SetupIconFile=..\..\txmalign_gui\resources\icons\txmalign.ico
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName} {#AppVersion}
ChangesAssociations=yes
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; A new version replaces the libraries of the old one completely (PyInstaller's file set changes).
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\txmalign"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{userdocs}"; Comment: "Align TXM image stacks"
Name: "{group}\txmalign command prompt"; Filename: "{cmd}"; \
  Parameters: "/k ""set ""PATH={app};%PATH%"" && txmalign --help"""; WorkingDir: "{userdocs}"; \
  IconFilename: "{app}\txmalign.exe"; Comment: "A command prompt where the txmalign command works"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\txmalign"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Registry]
; .txmas sessions open in txmalign-gui (HKA: per user or all users, following the install mode).
Root: HKA; Subkey: "Software\Classes\.txmas\OpenWithProgids"; ValueType: string; ValueName: "{#SessionProgId}"; \
  ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\{#SessionProgId}"; ValueType: string; ValueName: ""; \
  ValueData: "txmalign session"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#SessionProgId}\DefaultIcon"; ValueType: string; ValueName: ""; \
  ValueData: "{app}\{#GuiExe},0"
Root: HKA; Subkey: "Software\Classes\{#SessionProgId}\shell\open\command"; ValueType: string; ValueName: ""; \
  ValueData: """{app}\{#GuiExe}"" --open ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#GuiExe}\SupportedTypes"; ValueType: string; \
  ValueName: ".txmas"; ValueData: ""; Flags: uninsdeletekey

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
