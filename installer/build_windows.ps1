# Build the Windows installer: dist\txmalign-<version>-windows-x64-setup.exe.
# Creates a fresh venv (or uses -Venv), installs txmalign with its GUI and PyInstaller, freezes it with
# installer\txmalign.spec (txmalign-gui.exe + txmalign.exe in one folder), smoke-tests the frozen command line,
# and compiles installer\windows\txmalign.iss with Inno Setup's ISCC, passing the version read from
# txmalign_gui.__version__. Needs Python 3.10+ and Inno Setup 6 or newer (choco install innosetup).
#   powershell -ExecutionPolicy Bypass -File installer\build_windows.ps1 [-Python py] [-Venv path] [-Iscc path]
param(
    [string]$Python = "python",
    [string]$Venv = "",
    [string]$Iscc = ""
)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

if (-not $Venv) {
    $Venv = Join-Path $Root "build\installer-venv"
    if (Test-Path $Venv) { Remove-Item -Recurse -Force $Venv }
}
if (-not (Test-Path (Join-Path $Venv "Scripts\python.exe"))) { Invoke-Checked $Python @("-m", "venv", $Venv) }
$Py = Join-Path $Venv "Scripts\python.exe"

Write-Host "== installing txmalign and PyInstaller into $Venv"
Invoke-Checked $Py @("-m", "pip", "install", "-q", "--upgrade", "pip")
Invoke-Checked $Py @("-m", "pip", "install", "-q", ".[gui,installer]")
$Version = (& $Py -c "import txmalign_gui; print(txmalign_gui.__version__)").Trim()
if ($LASTEXITCODE -ne 0 -or -not $Version) { throw "cannot read txmalign_gui.__version__" }

if (-not (Test-Path "txmalign_gui\resources\icons\txmalign.ico")) { Invoke-Checked $Py @("installer\make_icon.py") }

Write-Host "== freezing txmalign $Version (PyInstaller)"
$Work = Join-Path $Root "build\windows"
Invoke-Checked $Py @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
    "--distpath", "$Work\dist", "--workpath", "$Work\work", "installer\txmalign.spec")
$Bundle = Join-Path $Work "dist\txmalign"
$Reported = (& "$Bundle\txmalign.exe" --version).Trim()
if ($Reported -ne "txmalign $Version") { throw "frozen txmalign.exe reports '$Reported', expected 'txmalign $Version'" }

if (-not $Iscc) {
    $Found = Get-Command iscc.exe -ErrorAction SilentlyContinue
    if ($Found) { $Iscc = $Found.Source }
}
if (-not $Iscc) {
    $Candidates = @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
                    "$env:ProgramFiles\Inno Setup 7\ISCC.exe", "${env:ProgramFiles(x86)}\Inno Setup 7\ISCC.exe",
                    "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe")
    $Iscc = $Candidates | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
}
if (-not $Iscc) { throw "Inno Setup's ISCC.exe was not found: install it (choco install innosetup) or pass -Iscc" }

Write-Host "== compiling the installer with $Iscc"
$Dist = Join-Path $Root "dist"
New-Item -ItemType Directory -Force -Path $Dist | Out-Null
Invoke-Checked $Iscc @("/Q", "/DAppVersion=$Version", "/DSourceDir=$Bundle", "/O$Dist", "installer\windows\txmalign.iss")
$Setup = Join-Path $Dist "txmalign-$Version-windows-x64-setup.exe"
if (-not (Test-Path $Setup)) { throw "ISCC did not write $Setup" }
Write-Host ("wrote {0} ({1:N0} MB)" -f $Setup, ((Get-Item $Setup).Length / 1MB))
